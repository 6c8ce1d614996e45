/** What the build copies as it is: the migration job's SQL, and the page Firebase Hosting serves at the root. */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './paths';

export function copyMigrations(dir: string): number {
  const source = path.join(ROOT, 'migrations');
  const target = path.join(dir, 'migrations');
  mkdirSync(target, { recursive: true });
  const files = readdirSync(source).filter((f) => f.endsWith('.sql'));
  for (const file of files) copyFileSync(path.join(source, file), path.join(target, file));
  return files.length;
}

export const HOSTING_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>TaxasGE API</title>
  <style>body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5; }</style>
</head>
<body>
  <h1>TaxasGE API</h1>
  <p>The fiscal services and tax declarations of Equatorial Guinea.</p>
  <ul>
    <li><a href="/api/v1/docs">API documentation</a></li>
    <li><a href="/health">Service health</a></li>
  </ul>
</body>
</html>
`;
