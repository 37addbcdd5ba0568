import type { ContainerInspectInfo, ImageInspectInfo } from 'dockerode';
import { NothingToDo, UsageError } from '../core/errors.js';
import { repositoryOf } from '../docker/discovery.js';
import type { ResolvedPath } from '../sessions/upgrade-path.js';

// The version path of a cluster, whatever its units are (plain containers,
// Compose services): one repository, one running version, one path for all,
// so every unit goes through the same hops.

export interface CheckedMember {
	name: string;
	info: ContainerInspectInfo;
	oldImage: ImageInspectInfo;
}

export async function clusterPath(
	members: CheckedMember[],
	resolvePath: (info: ContainerInspectInfo, oldImage: ImageInspectInfo) => Promise<ResolvedPath>,
): Promise<ResolvedPath> {
	const repositories = [...new Set(members.map(({ info }) => repositoryOf(info.Config.Image)))];
	if (repositories.length > 1) {
		const which = members.map(({ name, info }) => `${name}: ${repositoryOf(info.Config.Image)}`).join(', ');
		throw new UsageError(`the selected containers run different repositories (${which}); upgrade one repository at a time (narrow the selection, e.g. with --image)`);
	}
	const lead = members[0]!;
	const path = await resolvePath(lead.info, lead.oldImage);
	const leadInputs = pathInputs(lead);
	for (const other of members.slice(1)) {
		// A member the path is worked out from exactly as the lead's (same reference, image,
		// env, labels, command: the profile and every registry answer alike) has the lead's path.
		if (pathInputs(other) === leadInputs) continue;
		const otherPath = await resolvePath(other.info, other.oldImage);
		if (otherPath.current !== path.current) {
			throw new UsageError(`the selected containers run different versions (${lead.name}: ${path.current}, ${other.name}: ${otherPath.current}); upgrade them separately`);
		}
	}
	if (path.hops.length === 0) {
		const names = members.map((member) => member.name);
		throw new NothingToDo(
			`${names.join(', ')} already run${names.length === 1 ? 's' : ''} ${path.current}, the newest version on offer${path.newerMajor ? `; ${path.newerMajor.tag} is a major upgrade: name it with --to` : ''}`,
		);
	}
	return path;
}

/** Everything of a member that its path depends on, but its name (which only its messages say). */
function pathInputs({ info, oldImage }: CheckedMember): string {
	return JSON.stringify([info.Config.Image, info.Config.Env, info.Config.Labels, info.Path, info.Args, oldImage.Id]);
}
