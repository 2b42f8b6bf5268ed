/**
 * The WebSocket API itself; SST fixes its route selection expression to `$request.body.action`.
 * Its routes and `$connect` authorizer are in realtime-routes.ts: the authorizer admits browsers
 * of the web app's origin only, and the web app (web.ts) needs this API's URL first.
 */
export const realtime = new sst.aws.ApiGatewayWebSocket("Realtime");
