/**
 * The value formats the settings schemas share: names Kubernetes and helm accept, versions,
 * quantities, repository URLs and durations, each with the message a user sees when a value does
 * not fit.
 */
import { z } from "zod";

/**
 * Names that say they hold a secret (an environment variable `HF_TOKEN`, a key `redisPassword`): a
 * value under such a name is never echoed in an error, and a plain environment variable of such a
 * name is refused (podSettings.ts).
 */
export const SECRET_LIKE_NAME = /(PASSWORD|PASSWD|TOKEN|SECRET|API_?KEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIALS?)/i;

/** Helm refuses longer release names. */
export const MAX_RELEASE_NAME = 53;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_LABEL_MESSAGE = "must be a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit";

export const dnsLabel = () => z.string().max(63, { message: "must be at most 63 characters" }).regex(DNS_LABEL, { message: DNS_LABEL_MESSAGE });

/** A helm release name: a DNS label of at most 53 characters (helm refuses longer ones). */
export const releaseName = () =>
    z
        .string()
        .max(MAX_RELEASE_NAME, { message: `must be at most ${MAX_RELEASE_NAME} characters (helm's limit for release names)` })
        .regex(DNS_LABEL, { message: DNS_LABEL_MESSAGE });

const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
export const semver = () => z.string().regex(SEMVER, { message: "must be an exact version such as 1.2.3 (no 'v', ranges or 'latest')" });

const QUANTITY = /^(\d+(\.\d+)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+)?$/;
/** A Kubernetes resource quantity; YAML numbers are accepted and kept as strings. */
export const quantity = () =>
    z
        .union([z.string(), z.number().nonnegative()])
        .transform((v) => String(v))
        .pipe(z.string().regex(QUANTITY, { message: "must be a Kubernetes quantity such as 500m, 2, 4Gi or 1G" }));

const REPO_URL = /^(https:\/\/[^\s/]+(\/\S*)?|oci:\/\/[^\s/]+(\/\S*)?|ssh:\/\/\S+|git@[^\s:]+:\S+)$/;
export const repoUrl = z.string().regex(REPO_URL, { message: "must be an https://, ssh:// or git@host:path URL (or oci:// for a helm registry)" });

export const revision = z.string().trim().min(1, { message: "must be a non-empty revision (branch, tag, commit or chart version)" });

/** Git tags and chart versions that name one release (1.2.3, v1.2.3, 1.2.3-rc.1), or a full commit SHA: never a branch, HEAD or a range. */
export const IMMUTABLE_REVISION = /^(v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?|[0-9a-f]{40})$/;

const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
export const duration = z.string().regex(DURATION, { message: "must be a Go duration such as 5s, 3m or 1h30m" });
export const timeoutSeconds = z.number().int().positive({ message: "must be a positive number of seconds" });
/** Free-form YAML (chart values, templates): anything helm or Argo CD accepts. */
export const anyObject = z.record(z.string(), z.unknown());
export const secretString = () => z.string().min(1, { message: "must not be empty" });

/** Reports one problem at a path of the settings being checked (a zod refinement's `addIssue`). */
export type Report = (path: (string | number)[], message: string) => void;

/** A `superRefine` callback's `addIssue`, as a {@link Report}. */
export function reporter(ctx: z.RefinementCtx): Report {
    return (path, message) => ctx.addIssue({ code: "custom", path, message });
}
