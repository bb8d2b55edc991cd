import type { CodegenConfig } from '@graphql-codegen/cli';

// Reads the checked-in schema (written by `pulso schema`) and the operations, and writes one
// TypeScript file: the schema's types, each operation's result and variables types, and a
// typed document per operation. No prettier and no timestamps, so a rerun is byte-identical.
const config: CodegenConfig = {
  schema: '../schema.graphql',
  documents: ['operations/*.graphql'],
  emitLegacyCommonJSImports: false,
  generates: {
    'src/generated/graphql.ts': {
      plugins: [
        'typescript-operations',
        'typed-document-node',
      ],
      config: {
        strictScalars: true,
        scalars: {
          Date: 'string',
          DateTime: 'string',
          JSON: 'unknown',
        },
        enumsAsTypes: true,
        useTypeImports: true,
        avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: false },
        immutableTypes: true,
        skipTypename: true,
        dedupeFragments: true,
      },
    },
  },
};

export default config;
