// Two projects: fast unit/codec specs beside the code, and e2e/compat specs in test/ that boot real processes.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
  },
];
const moduleNameMapper = {
  '^@tributary/connectors$': '<rootDir>/connectors',
  '^@tributary/connectors/([^/]+)$': '<rootDir>/connectors/$1/src',
  '^@tributary/broker$': '<rootDir>/apps/broker/src',
  '^@tributary/broker/(.*)$': '<rootDir>/apps/broker/src/$1',
  '^@tributary/coordinator$': '<rootDir>/apps/coordinator/src',
  '^@tributary/coordinator/(.*)$': '<rootDir>/apps/coordinator/src/$1',
  '^@tributary/connect$': '<rootDir>/apps/connect/src',
  '^@tributary/connect/(.*)$': '<rootDir>/apps/connect/src/$1',
  '^@tributary/([a-z-]+)$': '<rootDir>/libs/$1/src',
  '^@tributary/([a-z-]+)/(.*)$': '<rootDir>/libs/$1/src/$2',
};
const base = { transform: { '^.+\\.ts$': swc }, moduleNameMapper, testEnvironment: 'node' };
module.exports = {
  projects: [
    {
      ...base,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/{libs,apps,connectors}/**/*.spec.ts',
        '<rootDir>/examples/migration/**/*.spec.ts',
        '<rootDir>/bench/src/harness/**/*.spec.ts',
      ],
    },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
  ],
};
