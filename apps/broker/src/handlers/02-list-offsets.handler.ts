import { Injectable } from '@nestjs/common';
import { ApiKey, ErrorCode, ListOffsetsRequest, ListOffsetsResponse } from '@tributary/protocol';
import { MetadataCache } from '../metadata/metadata-cache';
import { PartitionManager } from '../partitions/partition-manager';
import type { ApiHandler } from './api-handler';

const LATEST = -1;
const EARLIEST = -2;

/**
 * ListOffsets v0-5: latest (-1) is the high watermark (the last stable offset too: no transactions),
 * earliest (-2) the log start offset, otherwise the first offset whose batch has a timestamp at or
 * after the one asked for, or -1 when there is none.
 */
@Injectable()
export class ListOffsetsHandler implements ApiHandler<typeof ListOffsetsRequest, typeof ListOffsetsResponse> {
  readonly apiKey = ApiKey.ListOffsets;
  readonly minVersion = 0;
  readonly maxVersion = 5;
  readonly request = ListOffsetsRequest;
  readonly response = ListOffsetsResponse;

  constructor(
    private readonly partitions: PartitionManager,
    private readonly metadata: MetadataCache,
  ) {}

  handle(req: ListOffsetsRequest): ListOffsetsResponse {
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const exists = this.metadata.topic(t.name)?.partitions[p.partitionIndex] !== undefined;
          const partition = this.partitions.leaderOf(t.name, p.partitionIndex, exists);
          if (typeof partition === 'number') {
            return {
              partitionIndex: p.partitionIndex,
              errorCode: partition,
              oldStyleOffsets: [],
              timestamp: -1,
              offset: -1,
              leaderEpoch: -1,
            };
          }
          let offset = -1;
          let timestamp = -1;
          if (p.timestamp === LATEST) offset = partition.highWatermark;
          else if (p.timestamp === EARLIEST) offset = partition.logStartOffset;
          else {
            const found = partition.log.offsetForTimestamp(p.timestamp);
            if (found) {
              offset = found.offset;
              timestamp = found.timestamp;
            }
          }
          return {
            partitionIndex: p.partitionIndex,
            errorCode: ErrorCode.NONE,
            oldStyleOffsets: offset >= 0 ? [offset] : [],
            timestamp,
            offset,
            leaderEpoch: partition.leaderEpoch,
          };
        }),
      })),
    };
  }
}
