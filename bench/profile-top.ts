/** `tsx bench/profile-top.ts file.cpuprofile [n]`: the functions with the most self time in a V8 CPU profile. */
import fs from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const [file, n = '30'] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-top <file.cpuprofile> [n]');
const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const byId = new Map(p.nodes.map((node) => [node.id, node]));
const self = new Map<string, number>();
let total = 0;
p.samples.forEach((id, i) => {
  const node = byId.get(id);
  const dt = p.timeDeltas[i] ?? 0;
  total += dt;
  if (!node) return;
  const f = node.callFrame;
  const where = f.url.replace(/^.*node_modules\//, '').replace(/^.*\/src\//, 'src/');
  const key = `${f.functionName || '(anonymous)'} ${where}:${f.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + dt);
});
for (const [key, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(n)))
  console.log(`${((t / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
