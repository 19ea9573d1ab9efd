/**
 * The baseline: a bare Fastify (same version, no plugins, no database) that
 * answers GET and POST /bare/:name with a body stored beforehand under that
 * name, already serialised, so a figure beside it shows what the service adds
 * on top of HTTP and Fastify themselves. Prints "ready <port>".
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
const bodies = new Map<string, string>();

app.put<{ Params: { name: string }; Body: unknown }>('/bodies/:name', async (req) => {
  bodies.set(req.params.name, JSON.stringify(req.body));
  return { ok: true };
});
const answer = async (req: { params: { name: string } }, reply: { type(t: string): unknown }) => {
  reply.type('application/json; charset=utf-8');
  return bodies.get(req.params.name) ?? '{}';
};
app.get<{ Params: { name: string } }>('/bare/:name', answer);
app.post<{ Params: { name: string } }>('/bare/:name', answer);

await app.listen({ host: '127.0.0.1', port: 0 });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
const address = app.server.address();
process.stdout.write(`ready ${typeof address === 'object' && address ? address.port : ''}\n`);
