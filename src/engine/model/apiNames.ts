/**
 * Names and labels as the API server checks them, so that an object Kubernetes would refuse is
 * refused here too rather than simulated. The formats are apimachinery's
 * (kubernetes/kubernetes staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go:
 * IsDNS1123Label, IsDNS1123Subdomain, IsDNS1035Label; pkg/api/validate/content/kube.go: IsLabelKey,
 * which IsQualifiedName now is, and IsLabelValue); which one a kind's name takes is its
 * Validate<Kind>Name in pkg/apis/<group>/validation/validation.go.
 */

/** The name formats of apimachinery, each with its own test and the phrase Kubernetes explains it with. */
export type NameFormat = 'dns1123Subdomain' | 'dns1123Label' | 'dns1035Label';

const dns1123Label = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const formats: Record<NameFormat, { readonly re: RegExp; readonly max: number; readonly what: string }> = {
  dns1123Subdomain: {
    re: new RegExp(`^${dns1123Label}(\\.${dns1123Label})*$`),
    max: 253,
    what: "a lowercase RFC 1123 subdomain: lower case letters, digits, '-' or '.', starting and ending with a letter or digit",
  },
  dns1123Label: {
    re: new RegExp(`^${dns1123Label}$`),
    max: 63,
    what: "a lowercase RFC 1123 label: lower case letters, digits or '-', starting and ending with a letter or digit",
  },
  dns1035Label: {
    re: /^[a-z]([-a-z0-9]*[a-z0-9])?$/,
    max: 63,
    what: "a DNS-1035 label: lower case letters, digits or '-', starting with a letter and ending with a letter or digit",
  },
};

/**
 * The format of each read kind's metadata.name: core ValidateNamespaceName (NameIsDNSLabel),
 * ValidateServiceName (NameIsDNS1035Label), apps ValidateStatefulSetName (NameIsDNSLabel, since a
 * pod's name and hostname are formed from it); every other kind read here, custom resources
 * included, takes NameIsDNSSubdomain (ValidatePodName, ValidateNodeName, ValidateNetworkPolicyName,
 * ValidateDeploymentName, ValidateEndpointSliceName, …).
 */
export function nameFormatOf(kind: string): NameFormat {
  switch (kind) {
    case 'Namespace':
    case 'StatefulSet':
      return 'dns1123Label';
    case 'Service':
      return 'dns1035Label';
    default:
      return 'dns1123Subdomain';
  }
}

/** What is wrong with `name` in `format`, as a clause ("must be …"); undefined when the API server accepts it. */
export function nameProblem(format: NameFormat, name: string): string | undefined {
  const f = formats[format];
  if (name.length <= f.max && f.re.test(name)) return undefined;
  if (name === '') return 'must not be empty';
  return `must be ${f.what}${name.length > f.max ? `, at most ${f.max} characters (it has ${name.length})` : ''}`;
}

/** A name in `format` close to `name`, to suggest: lower case, other characters as '-', trimmed to fit. */
export function nameSuggestion(format: NameFormat, name: string): string | undefined {
  const f = formats[format];
  let s = name.toLowerCase().replace(format === 'dns1123Subdomain' ? /[^-a-z0-9.]+/g : /[^-a-z0-9]+/g, '-');
  s = s.slice(0, f.max).replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  if (format === 'dns1123Subdomain') s = s.replace(/[-.]*\.[-.]*/g, '.');
  if (format === 'dns1035Label') s = s.replace(/^[^a-z]+/, '');
  return s !== '' && f.re.test(s) ? s : undefined;
}

// The name part of a label key, and a label value: IsLabelKey's labelKeyFmt, and IsLabelValue's
// labelValueFmt, which is the same pattern made optional.
const labelNamePart = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_MAX = 63;

/** What is wrong with a label key (an optional DNS-1123 subdomain prefix and '/', then a name); undefined when valid. */
export function labelKeyProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return "must be a name with an optional DNS subdomain prefix and one '/' (e.g. 'example.com/MyName')";
  const name = parts[parts.length - 1]!;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (prefix === '') return "must have a prefix before its '/'";
    const p = nameProblem('dns1123Subdomain', prefix);
    if (p) return `has the prefix "${prefix}", which ${p}`;
  }
  if (name === '') return 'must have a name part';
  if (name.length > LABEL_MAX) return `has a name part of ${name.length} characters; at most ${LABEL_MAX} are allowed`;
  if (!labelNamePart.test(name)) return "must have a name part of letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
  return undefined;
}

/** What is wrong with a label value (empty, or up to 63 of the label-key name characters); undefined when valid. */
export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > LABEL_MAX) return `is ${value.length} characters long; at most ${LABEL_MAX} are allowed`;
  if (!labelNamePart.test(value)) return "must be empty or letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
  return undefined;
}

/** Whether a whole metadata (name, namespace, labels) passes, for the loader's plain paths; the general path explains a failure. */
export function metaAccepted(format: NameFormat, name: string, namespace: string | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (nameProblem(format, name) !== undefined) return false;
  if (namespace !== undefined && namespace !== '' && nameProblem('dns1123Label', namespace) !== undefined) return false;
  for (const k in labels) if (labelKeyProblem(k) !== undefined || labelValueProblem(labels[k]!) !== undefined) return false;
  return true;
}
