#!/usr/bin/env node
import 'reflect-metadata';
import { Command } from 'commander';
import { registerStart } from './commands/start.command';
import { registerTopics } from './commands/topics.command';
import { registerProduce } from './commands/produce.command';
import { registerConsume } from './commands/consume.command';
import { registerGroups } from './commands/groups.command';
import { registerCoordinator } from './commands/coordinator.command';
import { registerConnect } from './commands/connect.command';
import { registerValidate } from './commands/validate.command';
import { registerConnectors } from './commands/connectors.command';
import { registerReconcile } from './commands/reconcile.command';
import { CONNECTORS } from '@tributary/connectors';

/** `tributary` entry point: one subcommand per file in ./commands. */
const program = new Command()
  .name('tributary')
  .description('Kafka-compatible streaming and CDC platform')
  .version('0.1.0')
  .showHelpAfterError();

registerStart(program);
registerTopics(program);
registerProduce(program);
registerConsume(program);
registerGroups(program);
registerCoordinator(program);
registerConnect(program);
registerValidate(program, CONNECTORS);
registerConnectors(program);
registerReconcile(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`tributary: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
