import { UsageError } from '../../core/errors.js';

// Every way the image of a Compose service can be unlocatable or uneditable.
// All of them are found before anything is touched, so they are usage errors
// (exit 2); the code lets the driver and the tests tell them apart without
// matching on message text.
export type ComposeImageErrorCode =
	/** A compose file is not valid YAML (or holds more than one document). */
	| 'invalid-yaml'
	/** No compose file defines the service. */
	| 'no-service'
	/** The service has no `image:` in any file (build-only). */
	| 'no-image'
	/** A variable the image needs is set nowhere but (maybe) the shell environment. */
	| 'shell-only'
	/** The env file cannot be read the way Compose reads it. */
	| 'invalid-env-file'
	/** The image is not a valid reference once interpolated. */
	| 'invalid-reference'
	/** The new tag is not a valid tag. */
	| 'invalid-tag'
	/** `repo@sha256:...`: a new tag would not change what runs. */
	| 'digest-pinned'
	/** A form Compose accepts that this module does not edit (yet). */
	| 'unsupported';

export class ComposeImageError extends UsageError {
	constructor(
		readonly code: ComposeImageErrorCode,
		message: string,
		/** The variable concerned, for 'shell-only' (and some 'unsupported'). */
		readonly variable?: string,
	) {
		super(message);
		this.name = 'ComposeImageError';
	}
}
