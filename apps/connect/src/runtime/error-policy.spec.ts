import { TaskFailure, traceOf } from './error-policy';

describe('traceOf', () => {
  it('shows the message once, then the stack and each cause', () => {
    const cause = new Error('extract-key: field "user_id" is missing');
    const err = new TaskFailure('transform failed for the record at source position {}', { cause });
    const trace = traceOf(err);
    expect(
      trace.startsWith('TaskFailure: transform failed for the record at source position {}\n    at '),
    ).toBe(true);
    expect(trace.split('transform failed for the record').length - 1).toBe(1);
    expect(trace).toContain('\nCaused by: Error: extract-key: field "user_id" is missing\n    at ');
  });

  it('heads a stack-less error with its name and message', () => {
    const err = new Error('boom');
    err.stack = undefined;
    expect(traceOf(err)).toBe('Error: boom');
  });
});
