/** Where the docs function gets its OpenAPI document: the file the build wrote beside the bundle, else the route table. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BUILT_DOCUMENT, loadDocument } from './index';
import { buildDocument } from './openapi-source';

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'taxasge-docs-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it("serves the built document with the deployment's version", () => {
  const built = buildDocument('0.0.0-build');
  writeFileSync(path.join(dir, BUILT_DOCUMENT), JSON.stringify(built));
  expect(loadDocument(dir, '9b0d7e1')).toEqual({ ...JSON.parse(JSON.stringify(built)), info: { ...built.info, version: '9b0d7e1' } });
});

it('builds the document from the route table when none was built (npm start, tests)', () => {
  expect(loadDocument(__dirname, '1.2.3')).toEqual(buildDocument('1.2.3'));
});

it('fails on a built document it cannot read, rather than serving another', () => {
  writeFileSync(path.join(dir, BUILT_DOCUMENT), '{"openapi": "3.1.0", ');
  expect(() => loadDocument(dir, '1.2.3')).toThrow(SyntaxError);
});
