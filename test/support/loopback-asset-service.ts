import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { AssetServiceClient } from '@google-cloud/asset';
// Both are dependencies of the client library itself (through google-gax): the server is
// made from the very protos and gRPC implementation the client speaks.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PassThroughClient } from 'google-auth-library';
import type { LiveAssets } from '../../shared/core/drift/asset-records.ts';

/** One search request as the server received it, fields by their proto names. */
export interface RecordedSearch {
  readonly method: 'SearchAllIamPolicies' | 'SearchAllResources';
  readonly scope: string;
  readonly asset_types: readonly string[];
  readonly page_size: number;
  readonly page_token: string;
}

/** What the server answers with: results in the proto's JSON shape (snake_case fields). */
export interface AssetServiceContent {
  readonly policies: readonly Record<string, unknown>[];
  readonly resources: readonly Record<string, unknown>[];
}

/** A loopback Cloud Asset API server on the client's own protos, serving pages. */
export interface LoopbackAssetService {
  readonly port: number;
  readonly requests: readonly RecordedSearch[];
  /** A real `AssetServiceClient` on gRPC, without TLS or credentials, pointed at this server. */
  client(): AssetServiceClient;
  /** Answers the next request with this gRPC status instead. */
  failNext(code: grpc.status, message: string): void;
  close(): Promise<void>;
}

// The client's protos, and the common ones (google/api, google/iam, google/rpc…) of the
// google-gax it resolves, which it loads them with.
type AssetClientOptions = NonNullable<ConstructorParameters<typeof AssetServiceClient>[0]>;

const fromTest = createRequire(import.meta.url);
const ASSET = dirname(fromTest.resolve('@google-cloud/asset/package.json'));
const GAX_MAIN = createRequire(join(ASSET, 'package.json')).resolve('google-gax');
const GAX = GAX_MAIN.slice(0, GAX_MAIN.lastIndexOf(`${sep}build${sep}`));
const PROTOS = [join(ASSET, 'build', 'protos'), join(GAX, 'build', 'protos')];

/**
 * Serves the two searches: results are filtered by the request's asset types and cut into
 * pages of the request's page size (at most `maxPageSize`, as the API caps them); the page
 * token is the offset of the next page.
 */
export async function startLoopbackAssetService(
  content: AssetServiceContent,
  maxPageSize = 500,
): Promise<LoopbackAssetService> {
  const definition = await protoLoader.load('google/cloud/asset/v1/asset_service.proto', {
    includeDirs: PROTOS,
    keepCase: true,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    google: { cloud: { asset: { v1: { AssetService: grpc.ServiceClientConstructor } } } };
  };
  const service = loaded.google.cloud.asset.v1.AssetService.service;
  const requests: RecordedSearch[] = [];
  const failures: { code: grpc.status; message: string }[] = [];

  const page =
    (method: RecordedSearch['method'], all: readonly Record<string, unknown>[], field: string) =>
    (
      call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) => {
      // Without defaults, proto-loader leaves out the fields the client did not set.
      const request = call.request as Partial<Omit<RecordedSearch, 'method'>>;
      requests.push({
        method,
        scope: request.scope ?? '',
        asset_types: request.asset_types ?? [],
        page_size: request.page_size ?? 0,
        page_token: request.page_token ?? '',
      });
      const failure = failures.shift();
      if (failure !== undefined) {
        callback({ code: failure.code, details: failure.message });
        return;
      }
      const types = new Set(request.asset_types);
      const matching = all.filter(
        (item) => types.size === 0 || types.has(item['asset_type'] as string),
      );
      const size = Math.min(request.page_size || maxPageSize, maxPageSize);
      const offset = Number(request.page_token || '0');
      const next = offset + size;
      callback(null, {
        [field]: matching.slice(offset, next),
        next_page_token: next < matching.length ? String(next) : '',
      });
    };

  const server = new grpc.Server();
  server.addService(service, {
    SearchAllIamPolicies: page('SearchAllIamPolicies', content.policies, 'results'),
    SearchAllResources: page('SearchAllResources', content.resources, 'results'),
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => {
      if (error === null) resolve(bound);
      else reject(error);
    });
  });
  const clients: AssetServiceClient[] = [];
  return {
    port,
    requests,
    client() {
      const client = new AssetServiceClient({
        apiEndpoint: '127.0.0.1',
        port,
        sslCreds: grpc.credentials.createInsecure(),
        // Sends no credentials and asks nothing of the metadata server. The client holds
        // its own copy of google-auth-library, whose types differ but not its behaviour.
        authClient: new PassThroughClient() as unknown as NonNullable<
          AssetClientOptions['authClient']
        >,
      });
      clients.push(client);
      return client;
    },
    failNext(code, message) {
      failures.push({ code, message });
    },
    async close() {
      await Promise.all(clients.map((client) => client.close()));
      await new Promise<void>((resolve) => {
        server.tryShutdown(() => {
          resolve();
        });
      });
    },
  };
}

/** The assets as the two searches answer them, in the proto's JSON (snake_case) shape. */
export function asSearchResults(assets: LiveAssets): AssetServiceContent {
  return {
    policies: assets.policies.map((policy) => ({
      resource: policy.asset,
      asset_type: policy.assetType,
      ...(policy.project === undefined ? {} : { project: policy.project }),
      policy: { bindings: policy.bindings },
    })),
    resources: assets.resources.map((resource) => ({
      name: resource.asset,
      asset_type: resource.assetType,
      ...(resource.project === undefined ? {} : { project: resource.project }),
      ...(resource.displayName === undefined ? {} : { display_name: resource.displayName }),
      ...(resource.parent === undefined ? {} : { parent_full_resource_name: resource.parent }),
      additional_attributes: {
        fields: Object.fromEntries(
          Object.entries(resource.attributes)
            .filter(([, value]) => typeof value === 'string')
            .map(([key, value]) => [key, { stringValue: value }]),
        ),
      },
    })),
  };
}
