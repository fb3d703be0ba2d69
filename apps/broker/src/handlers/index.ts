import { ProduceHandler } from './00-produce.handler';
import { FetchHandler } from './01-fetch.handler';
import { ListOffsetsHandler } from './02-list-offsets.handler';
import { MetadataHandler } from './03-metadata.handler';
import { ApiVersionsHandler } from './18-api-versions.handler';
import { CreateTopicsHandler } from './19-create-topics.handler';
import { DeleteTopicsHandler } from './20-delete-topics.handler';
import { DescribeConfigsHandler } from './32-describe-configs.handler';
import { CreatePartitionsHandler } from './37-create-partitions.handler';

/** Every API the broker serves, one class per key. ApiVersions is derived from this list. */
export const HANDLERS = [
  ProduceHandler,
  FetchHandler,
  ListOffsetsHandler,
  MetadataHandler,
  ApiVersionsHandler,
  CreateTopicsHandler,
  DeleteTopicsHandler,
  DescribeConfigsHandler,
  CreatePartitionsHandler,
] as const;

export { ApiVersionsHandler };
