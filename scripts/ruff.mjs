// ruff over training/**/*.py through ruff's official WebAssembly build (@astral-sh/ruff-wasm-nodejs: no Python
// packages, no binary download). Rules: pyflakes (F: unused imports/variables, undefined names, redefinitions) and
// E9 (syntax / IO errors). ruff has no import-cycle rule: scripts/py_cycles.py checks that. Exit 1 on any finding.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PositionEncoding, Workspace } from '@astral-sh/ruff-wasm-nodejs';

const repo = fileURLToPath(new URL('..', import.meta.url));
const root = join(repo, process.argv[2] ?? 'training');
const settings = { 'line-length': 200, lint: { select: ['F', 'E9'] } };
const ws = new Workspace(settings, PositionEncoding.Utf16);

function* pyFiles(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.') || e.name === '__pycache__') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* pyFiles(p);
    else if (e.name.endsWith('.py')) yield p;
  }
}

let files = 0;
let findings = 0;
for (const file of pyFiles(root)) {
  files++;
  for (const d of ws.check(readFileSync(file, 'utf8'))) {
    findings++;
    console.log(`${relative(repo, file)}:${d.start_location.row}:${d.start_location.column}: ${d.code ?? 'syntax'} ${d.message}`);
  }
}
console.log(findings ? `Found ${findings} error(s) in ${files} files.` : `ruff ${Workspace.version()}: all checks passed (${files} files).`);
process.exit(findings ? 1 : 0);
