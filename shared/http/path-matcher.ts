/**
 * Compiles OpenAPI-style path templates (`/things/{id}`) into matchers that return decoded params.
 * Express has already refused paths that are not valid percent-encoding, so decoding cannot fail here.
 */

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
        params[name] = decodeURIComponent(m[i + 1]!);
      });
      return params;
    },
  };
}
