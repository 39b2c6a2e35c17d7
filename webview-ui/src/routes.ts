// Hash routes: they need nothing from the server (so any path serves the page) and work the same
// inside a VS Code webview, where the document URL is not ours to change.
export type Route = { name: 'board' } | { name: 'new' } | { name: 'task'; id: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#\/?/, '');
  if (path === 'new') return { name: 'new' };
  const m = /^tasks\/([^/]+)$/.exec(path);
  if (m) {
    try {
      return { name: 'task', id: decodeURIComponent(m[1]!) };
    } catch {
      return { name: 'board' };
    }
  }
  return { name: 'board' };
}

export function href(route: Route): string {
  switch (route.name) {
    case 'board':
      return '#/';
    case 'new':
      return '#/new';
    case 'task':
      return `#/tasks/${encodeURIComponent(route.id)}`;
  }
}
