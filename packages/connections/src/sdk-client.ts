/**
 * The stock client: the AWS SDK's `ApiGatewayManagementApiClient` behind core's port, with the
 * SDK's own signing, credentials, retries and errors. The reference the lean client
 * (lean-client.ts) is measured and tested against, and the choice where its hand-written HTTP
 * is not wanted (`LIVE_ORDERS_CONNECTIONS_CLIENT=sdk`).
 */
import {
  ApiGatewayManagementApiClient,
  type ApiGatewayManagementApiClientConfig,
  DeleteConnectionCommand,
  GetConnectionCommand,
  type GetConnectionCommandOutput,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import type { ConnectionLookup, ConnectionsApi } from "@live-orders/core/connections-api";

export class SdkConnectionsClient implements ConnectionsApi, ConnectionLookup {
  private readonly client: ApiGatewayManagementApiClient;

  /** `config.endpoint` is the management endpoint (`Resource.Realtime.managementEndpoint`). */
  constructor(config: ApiGatewayManagementApiClientConfig & { endpoint: string }) {
    this.client = new ApiGatewayManagementApiClient(config);
  }

  async post(connectionId: string, data: Uint8Array): Promise<void> {
    await this.client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }));
  }

  getConnection(connectionId: string): Promise<GetConnectionCommandOutput> {
    return this.client.send(new GetConnectionCommand({ ConnectionId: connectionId }));
  }

  async delete(connectionId: string): Promise<void> {
    await this.client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
  }

  destroy(): void {
    this.client.destroy();
  }
}
