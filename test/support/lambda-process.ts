// Each test file starts as a new Lambda process would. A file that runs the local gateway in-process
// makes its invocations concurrent, as on a Managed Instance (local/invoke-context.ts sets
// AWS_LAMBDA_MAX_CONCURRENCY); a later file in the same worker that calls a handler directly, outside
// any invocation context, is a one-invocation-at-a-time process, without that variable.
delete process.env.AWS_LAMBDA_MAX_CONCURRENCY;
