/** Hostile input on every route that needs an account, anonymous and as an account of a role it allows. */
import { apiRoutes } from '../../shared/api';
import { hostileSuite } from './support/hostile-suite';

hostileSuite(apiRoutes.filter((r) => r.roles !== 'public'));
