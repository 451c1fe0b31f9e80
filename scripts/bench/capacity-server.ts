/**
 * The server under test of `npm run bench:capacity`: src/main.ts as shipped, with the capacity features registered
 * first (registerCapacityFeatures is idempotent, so this stays right once main.ts registers them itself).
 */
import { registerCapacityFeatures } from '../../src/ror/capacity';

registerCapacityFeatures();
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../../src/main');
