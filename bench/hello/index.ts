/** The baseline of every figure: a functions-framework hello-world, bundled the way scripts/build.ts bundles the real functions. */
import { http } from '@google-cloud/functions-framework';

http('hello', (_req, res) => {
  res.status(200).json({ hello: 'world' });
});
