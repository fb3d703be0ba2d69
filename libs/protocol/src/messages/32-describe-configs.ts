import { ApiKey } from '../api-keys';
import { f } from '../schema/fields';
import { message, type MessageOf } from '../schema/message';

// DescribeConfigs v0-2. v1 include_synonyms, config_source replaces is_default, synonyms; v2 layout-identical.
export const DescribeConfigsRequest = message(ApiKey.DescribeConfigs, 'DescribeConfigsRequest', '0-2', [
  f.array('resources', [
    f.int8('resourceType'),
    f.string('resourceName'),
    f.nullableScalarArray('configurationKeys', 'string'),
  ] as const),
  f.bool('includeSynonyms', { versions: '1+' }),
] as const);

export const DescribeConfigsResponse = message(ApiKey.DescribeConfigs, 'DescribeConfigsResponse', '0-2', [
  f.int32('throttleTimeMs'),
  f.array('results', [
    f.int16('errorCode'),
    f.nullableString('errorMessage'),
    f.int8('resourceType'),
    f.string('resourceName'),
    f.array('configs', [
      f.string('name'),
      f.nullableString('value'),
      f.bool('readOnly'),
      f.bool('isDefault', { versions: '0' }),
      f.int8('configSource', { versions: '1+', default: -1 }),
      f.bool('isSensitive'),
      f.array('synonyms', [f.string('name'), f.nullableString('value'), f.int8('source')] as const, {
        versions: '1+',
      }),
    ] as const),
  ] as const),
] as const);

export type DescribeConfigsRequest = MessageOf<typeof DescribeConfigsRequest>;
export type DescribeConfigsResponse = MessageOf<typeof DescribeConfigsResponse>;
