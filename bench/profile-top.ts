/**
 * `tsx bench/profile-top.ts file.cpuprofile [n] [--inclusive]`: the functions with the most
 * self time in a V8 CPU profile, or with `--inclusive` the most time on the stack
 * (a function counted once per sample however deep it recurses).
 */
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

const args = process.argv.slice(2);
const inclusive = args.includes('--inclusive');
const [file, n = '30'] = args.filter((a) => !a.startsWith('--'));
if (!file) throw new Error('usage: profile-top <file.cpuprofile> [n] [--inclusive]');
const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const byId = new Map(p.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of p.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const keyOf = (node: Node) => {
  const f = node.callFrame;
  const where = f.url.replace(/^.*node_modules\//, '').replace(/^.*\/src\//, 'src/');
  return `${f.functionName || '(anonymous)'} ${where}:${f.lineNumber + 1}`;
};
const time = new Map<string, number>();
let total = 0;
p.samples.forEach((id, i) => {
  const dt = p.timeDeltas[i] ?? 0;
  total += dt;
  const keys = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = inclusive ? parent.get(at) : undefined) {
    const node = byId.get(at);
    if (node) keys.add(keyOf(node));
  }
  for (const key of keys) time.set(key, (time.get(key) ?? 0) + dt);
});
for (const [key, t] of [...time].sort((a, b) => b[1] - a[1]).slice(0, Number(n)))
  console.log(`${((t / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
