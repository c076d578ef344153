/**
 * How long a route waited on an upstream (the /v1 door: its provider attempts), in ms, set by the
 * route on its answer as Envoy's x-envoy-upstream-service-time is. The server subtracts it from the
 * request's own time to count what nxs itself added (nxs_door_added_latency_seconds).
 */
export const UPSTREAM_TIME_HEADER = 'x-nxs-upstream-ms';
