import { GrpcStatus } from '@google-cloud/firestore';

/**
 * An error as grpc-js makes one from a call's status (`callErrorFromStatus`), which is what
 * the Firestore and Pub/Sub clients reject with: the emulators cannot be made to answer
 * every status.
 */
export function grpcError(
  code: GrpcStatus,
  details: string,
): Error & { readonly code: GrpcStatus; readonly details: string } {
  return Object.assign(new Error(`${String(code)} ${GrpcStatus[code]}: ${details}`), {
    code,
    details,
    metadata: {},
  });
}

export { GrpcStatus };
