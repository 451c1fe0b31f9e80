/** The seeded generator of randomized tests (scripts/lib/seeded-random.ts): a failure reproduces with its seed. */
export { seededRandom } from '../../scripts/lib/seeded-random';
