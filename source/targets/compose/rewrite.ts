import { ComposeImageError } from './errors.js';
import type { FileEdit, LocatedImage } from './types.js';

// The edit itself: new text for the one file that changes, spliced at the
// range locateImage found, so every other byte (comments, quotes, anchors,
// other services, line endings) stays as it was. Needs no YAML parser.
//
// A tag that only a variable's default provides (`${TAG:-1.6.0}`) is changed
// by setting TAG in the env file, not by editing the default: the compose
// file is usually the vendor's (replaced or diffed on the next release), the
// env file is the operator's record of their choices, and setting the
// variable changes every `${TAG...}` alike where editing one default would
// leave the others behind.

// The grammar of a tag (as in registry/reference.ts): safe unquoted and inside either quote.
const TAG = /^[\w][\w.-]{0,127}$/;

export function rewriteImage(located: LocatedImage, newTag: string): FileEdit[] {
	if (located.digest !== undefined) {
		throw new ComposeImageError(
			'digest-pinned',
			`${located.declared.file}: services.${located.service}.image is pinned by digest (${located.resolved}); a new tag would not change what runs. Remove the @${located.digest.split(':')[0]}:... part first`,
		);
	}
	if (!TAG.test(newTag)) throw new ComposeImageError('invalid-tag', `invalid tag ${JSON.stringify(newTag)}`);
	if (newTag === located.tag) return [];
	const before = located.fileText;
	const text = before ?? '';
	const [start, end] = located.range;
	const colon = located.tag === undefined ? ':' : '';
	let insert: string;
	if (located.write === 'tag') insert = colon + newTag;
	else {
		if (located.kind !== 'variable') throw new Error(`a literal image is written by tag, not ${located.write}`);
		const [from, to] = located.tagRange;
		const value = located.value.slice(0, from) + colon + newTag + located.value.slice(to);
		if (located.write === 'value') insert = value;
		else {
			const eol = text.includes('\r\n') ? '\r\n' : '\n';
			const lead = text === '' || text.endsWith('\n') ? '' : eol;
			insert = `${lead}${located.name}=${value}${eol}`;
		}
	}
	const after = text.slice(0, start) + insert + text.slice(end);
	return after === before ? [] : [{ path: located.file, before, after }];
}
