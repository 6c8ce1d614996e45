/** Hostile input on every public route of the route table (and the jobs function): bodies, headers, query strings, path parameters. */
import { apiRoutes } from '../../shared/api';
import { hostileSuite } from './support/hostile-suite';

hostileSuite(apiRoutes.filter((r) => r.roles === 'public'));
