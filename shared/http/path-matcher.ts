/** Compiles OpenAPI-style path templates (`/things/{id}`) into matchers that return decoded params. */
import { ValidationError } from '../errors/app-error';

export interface PathMatcher {
  match(pathname: string): Record<string, string> | undefined;
}

export function compilePath(template: string): PathMatcher {
  const names: string[] = [];
  const source = template
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (param) {
        names.push(param[1]!);
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  const regex = new RegExp(`^${source}/?$`);
  return {
    match(pathname) {
      const m = regex.exec(pathname);
      if (!m) return undefined;
      const params: Record<string, string> = {};
      names.forEach((name, i) => {
        try {
          params[name] = decodeURIComponent(m[i + 1]!);
        } catch {
          throw new ValidationError(`Path parameter ${name} is not valid percent-encoding`, [
            { path: `params.${name}`, message: 'not valid percent-encoding' },
          ]);
        }
      });
      return params;
    },
  };
}
