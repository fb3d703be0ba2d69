import { z } from 'zod';

/** Shapes of the control RPC requests; anything else is refused with INVALID_REQUEST before it reaches a decision. */
const nodeId = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1);
const epoch = z.number().int().min(0);
const name = z.string().min(1).max(249);

export const alterIsrSchema = z.object({
  topic: name,
  partition: z.number().int().min(0),
  leaderId: nodeId,
  brokerEpoch: epoch,
  leaderEpoch: epoch,
  partitionEpoch: epoch,
  newIsr: z.array(nodeId).max(1000),
});

export const registerSchema = z.object({
  nodeId,
  host: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65535),
  rack: z.string().min(1).max(255).nullable().optional(),
});

export const heartbeatSchema = z.object({
  nodeId,
  brokerEpoch: epoch,
  wantFence: z.boolean().optional(),
  isrChanges: z.array(alterIsrSchema).max(100_000).optional(),
});

export const fetchSchema = z.object({ sinceOffset: z.number().int().min(0) });

export const createTopicSchema = z.object({
  name,
  numPartitions: z.number().int(),
  replicationFactor: z.number().int(),
  configs: z.record(z.string(), z.string()).optional(),
  validateOnly: z.boolean().optional(),
});

export const deleteTopicSchema = z.object({ name });

export const createPartitionsSchema = z.object({
  name,
  totalCount: z.number().int(),
  validateOnly: z.boolean().optional(),
});

export const allocateProducerIdsSchema = z.object({ nodeId, brokerEpoch: epoch });
