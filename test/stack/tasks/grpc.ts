/**
 * The gRPC face: `google.cloud.tasks.v2.CloudTasks` built from the protos that ship with
 * `@google-cloud/tasks` (google-gax's protos on the include path), so the messages are exactly
 * the ones the Node client encodes. Methods the fake does not emulate answer UNIMPLEMENTED.
 * Faults match `POST /google.cloud.tasks.v2.CloudTasks/Method`.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadService, type GrpcFace } from '../grpc-fake.js';
import { isMethodName, type CloudTasksApi, type MethodName, type TasksRequest } from './api.js';
import { fromGrpc, toGrpc } from './wire.js';

/** `CloudTasks` over the API. */
export function grpcFace(api: CloudTasksApi): GrpcFace<MethodName> {
  const require = createRequire(import.meta.url);
  // This package exports no package.json; its CommonJS entry sits in build/cjs/src/.
  const clientRoot = join(dirname(require.resolve('@google-cloud/tasks')), '..', '..', '..');
  return {
    service: loadService(
      clientRoot,
      'google/cloud/tasks/v2/cloudtasks.proto',
      'google.cloud.tasks.v2.CloudTasks',
    ),
    name: 'Cloud Tasks',
    emulates: isMethodName,
    call: (method, request) => toGrpc(api.call(method, fromGrpc<TasksRequest>(request))),
  };
}
