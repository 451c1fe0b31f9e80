/**
 * Jest runs the TypeScript sources directly through ts-jest (TypeScript 5.x, see package.json). A few dependencies
 * ship as ES modules only (jose, openid-client and its oauth4webapi): Jest's CommonJS runtime cannot load them, so
 * ts-jest compiles them to CommonJS too (Node itself loads them natively).
 */
const ESM_ONLY = ['jose', 'openid-client', 'oauth4webapi'];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': 'ts-jest',
    '^.+\\.m?js$': ['ts-jest', { tsconfig: { allowJs: true, checkJs: false, isolatedModules: true }, diagnostics: false }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
  testTimeout: 30000,
  reporters: ['default', '<rootDir>/test/helpers/summary-reporter.js'],
};
