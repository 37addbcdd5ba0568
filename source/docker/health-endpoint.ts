import type Docker from 'dockerode';
import type { ContainerInspectInfo } from 'dockerode';

// Where this host reaches a container port for a profile's HTTP health check:
// the published host port when there is one (what the operator's users reach
// too), else the container's own address on one of its networks (a Linux host
// routes to its bridge networks), else nothing: a container on network `none`
// cannot be asked from outside, and the gate says so rather than guessing.

export type Endpoint = { url: string; via: string } | { unreachable: string } | { peer: string };

function hostOf(ip: string | undefined): string {
	if (!ip || ip === '0.0.0.0') return '127.0.0.1';
	if (ip === '::') return '[::1]';
	return ip.includes(':') ? `[${ip}]` : ip;
}

export function httpEndpoint(info: Pick<ContainerInspectInfo, 'HostConfig' | 'NetworkSettings'>, port: number, path: string): Endpoint {
	const mode = info.HostConfig?.NetworkMode ?? 'default';
	if (mode === 'host') return { url: `http://127.0.0.1:${port}${path}`, via: 'host network' };
	if (mode.startsWith('container:')) return { peer: mode.slice('container:'.length) };
	const bindings = (info.NetworkSettings?.Ports ?? {})[`${port}/tcp`] ?? [];
	// An IPv4 binding first: a `::` binding beside `0.0.0.0` is the same port.
	const binding = [...bindings].sort((a, b) => Number(a.HostIp?.includes(':') ?? false) - Number(b.HostIp?.includes(':') ?? false))[0];
	if (binding?.HostPort) return { url: `http://${hostOf(binding.HostIp)}:${binding.HostPort}${path}`, via: `published port ${binding.HostPort}` };
	for (const [network, settings] of Object.entries(info.NetworkSettings?.Networks ?? {})) {
		if (settings?.IPAddress) return { url: `http://${settings.IPAddress}:${port}${path}`, via: `its address on ${network}` };
		if (settings?.GlobalIPv6Address) return { url: `http://[${settings.GlobalIPv6Address}]:${port}${path}`, via: `its address on ${network}` };
	}
	return { unreachable: `port ${port} is not published and the container has no address this host can reach (network mode ${mode})` };
}

/** The endpoint, following a `container:` network mode to the container whose namespace it shares (once). */
export async function resolveEndpoint(docker: Docker, info: Pick<ContainerInspectInfo, 'HostConfig' | 'NetworkSettings'>, port: number, path: string): Promise<{ url: string; via: string } | { unreachable: string }> {
	const endpoint = httpEndpoint(info, port, path);
	if (!('peer' in endpoint)) return endpoint;
	const peer = await docker.getContainer(endpoint.peer).inspect().catch(() => undefined);
	if (!peer) return { unreachable: `the container it shares a network with (${endpoint.peer}) is gone` };
	const shared = httpEndpoint(peer, port, path);
	return 'peer' in shared ? { unreachable: 'it shares the network of a container that shares another one' } : shared;
}
