/**
 * Electron IPC channel names, shared by preload/ (the caller side) and src/host's IPC registration
 * (the handler side). Requests use invoke/handle on one channel; events are pushed on another,
 * as `{type:'events', events}` batches (wire.ts).
 */
export const IPC_REQUEST = 'factory:request';
export const IPC_EVENT = 'factory:event';
