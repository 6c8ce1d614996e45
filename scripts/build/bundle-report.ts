/**
 * What each built bundle holds, read from the metafiles `npm run build` keeps in dist/metafiles:
 * `npx tsx scripts/build/bundle-report.ts [--only=a,b] [--top=12] [--why=pdf-lib]` prints, per bundle,
 * its size and its largest parts (npm packages, or folders of this repository), and with `--why` the
 * chain of imports by which the first input matching the text reaches the bundle.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Metafile } from 'esbuild';
import { ROOT } from './paths';

/** `node_modules/pdf-lib/cjs/api/PDFDocument.js` → `pdf-lib`; `shared/adapters/ocr/pdf-pages.ts` → `shared/adapters/ocr`. */
export function partOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at >= 0) {
    const parts = input.slice(at + 'node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  return path.dirname(input);
}

/** Bytes each part contributes to the output. */
export function partsOf(metafile: Metafile): { bytes: number; parts: Map<string, number> } {
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined) ?? Object.values(metafile.outputs)[0]!;
  const parts = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) parts.set(partOf(input), (parts.get(partOf(input)) ?? 0) + bytesInOutput);
  return { bytes: output.bytes, parts };
}

/** The shortest chain of imports from the entry to the first input containing `text` (breadth first). */
export function whyIncluded(metafile: Metafile, text: string): string[] | undefined {
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined);
  if (!output?.entryPoint) return undefined;
  const from = new Map<string, string | null>([[output.entryPoint, null]]);
  const queue = [output.entryPoint];
  for (let input = queue.shift(); input !== undefined; input = queue.shift()) {
    if (input.includes(text)) {
      const chain: string[] = [];
      for (let at: string | null | undefined = input; at; at = from.get(at)) chain.unshift(at);
      return chain;
    }
    for (const imported of metafile.inputs[input]?.imports ?? []) {
      if (imported.external || from.has(imported.path)) continue;
      from.set(imported.path, input);
      queue.push(imported.path);
    }
  }
  return undefined;
}

function main() {
  const option = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const dir = path.join(ROOT, option('dir') ?? 'dist', 'metafiles');
  if (!existsSync(dir)) throw new Error(`${dir} does not exist: run npm run build first`);
  const only = option('only')?.split(',');
  const top = Number(option('top') ?? 12);
  const why = option('why');
  for (const file of readdirSync(dir).sort()) {
    const id = file.replace(/\.json$/, '');
    if (only && !only.includes(id)) continue;
    const metafile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Metafile;
    const { bytes, parts } = partsOf(metafile);
    const largest = [...parts].sort((a, b) => b[1] - a[1]).slice(0, top);
    console.log(`${id}: ${(bytes / 1024).toFixed(1)} KB`);
    for (const [part, n] of largest) console.log(`  ${(n / 1024).toFixed(1).padStart(7)} KB  ${part}`);
    if (why) console.log(`  why ${why}: ${whyIncluded(metafile, why)?.join('\n    → ') ?? 'not in this bundle'}`);
  }
}

if (require.main === module) main();
