import type Docker from 'dockerode';
import type { ContainerLookup } from './database-target.js';

// A database URL's host that the app resolves through Docker's embedded DNS is
// a container (its name or one of its aliases) on one of the app's own
// networks. The host cannot resolve that name, so such a database is reached
// by running the tools inside (or next to) that container.

export function containerLookup(docker: Docker, networks: string[]): ContainerLookup {
	return async (nameOrAlias) => {
		for (const network of networks) {
			if (network === 'host' || network === 'none') continue;
			let members: Record<string, { Name?: string }>;
			try {
				members = ((await docker.getNetwork(network).inspect()) as { Containers?: Record<string, { Name?: string }> }).Containers ?? {};
			} catch {
				continue;
			}
			for (const id of Object.keys(members)) {
				let info: Docker.ContainerInspectInfo;
				try {
					info = await docker.getContainer(id).inspect();
				} catch {
					continue;
				}
				const name = info.Name.replace(/^\//, '');
				const endpoint = info.NetworkSettings.Networks[network] as { Aliases?: string[] | null; DNSNames?: string[] | null } | undefined;
				const names = [name, ...(endpoint?.Aliases ?? []), ...(endpoint?.DNSNames ?? [])];
				if (names.includes(nameOrAlias)) return { name, network, image: info.Config.Image };
			}
		}
		return undefined;
	};
}
