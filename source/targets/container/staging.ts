import type { RecreateSpec } from './recreate-spec.js';

// The new container is created before the old one stops, under a staging
// name, and renamed to the old name once the old one is parked: the create
// (an image config read, a filesystem layer, the network attachments) then
// happens while the old version still serves, and a create the engine refuses
// fails with nothing stopped. What the engine allocates only at start (ports,
// IP addresses, DNS names) is unaffected: by then the old container is stopped.
//
// A container pinned to an address is created after the stop instead: a
// Docker 20.10 engine accepts a second container asking for the same static
// IP while the first holds it, but that is an engine's leniency, not a rule of
// the API, and guessing wrong would fail the swap after the stop.

/** The name the new container has between its create and the rename after the park. */
export function stagedNameOf(name: string): string {
	return `${name}-uw-new`;
}

/** Why this spec must be created after the stop, or undefined when it can be staged before it. */
export function lateCreateReason(spec: RecreateSpec): string | undefined {
	const create = spec.create as RecreateSpec['create'] & { MacAddress?: string };
	const endpoints = [
		...Object.entries(create.NetworkingConfig?.EndpointsConfig ?? {}).map(([network, endpoint]) => ({ network, endpoint })),
		...spec.connectBeforeStart,
	];
	for (const { network, endpoint } of endpoints) {
		const ipam = endpoint?.IPAMConfig;
		const address = ipam?.IPv4Address || ipam?.IPv6Address;
		if (address) return `it has the static address ${address} on ${network}`;
		if (endpoint?.MacAddress) return `it has the static MAC address ${endpoint.MacAddress} on ${network}`;
	}
	if (create.MacAddress) return `it has the static MAC address ${create.MacAddress}`;
	return undefined;
}

/** The spec as created under the staging name. */
export function stagedSpec(spec: RecreateSpec, stagedName: string): RecreateSpec {
	return { ...spec, create: { ...spec.create, name: stagedName } };
}
