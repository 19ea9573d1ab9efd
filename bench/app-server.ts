/** The benchmark's server: the real app, plus "rss" on stdin answered with its resident set size on stdout. */
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

const app = await createApp(loadConfig());
await app.server.listen({ host: '127.0.0.1', port: app.services.config.port });
process.stdin.on('data', (d: Buffer) => {
  if (d.toString().includes('rss')) process.stdout.write(`rss ${process.memoryUsage.rss()}\n`);
});
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
const address = app.server.server.address();
process.stdout.write(`ready ${typeof address === 'object' && address ? address.port : ''}\n`);
