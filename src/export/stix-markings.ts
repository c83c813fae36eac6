/**
 * TLP 2.0 marking definitions for STIX 2.1, exactly as OASIS publishes them
 * (https://github.com/oasis-open/cti-stix-common-objects, `extension-definition-specifications/tlp-2.0`):
 * fixed ids, `created` 2022-10-01, the property extension `extension-definition--60a3c5c5-…`.
 * (The STIX 2.1 spec's own §7.2.1.4 markings are TLP 1.0: WHITE/GREEN/AMBER/RED; TLP 2.0's CLEAR
 * and AMBER+STRICT exist only as these extension-based markings.)
 */
import type { Tlp } from '../iocs/types.ts';

/** The TLP 2.0 property extension's id. */
export const TLP2_EXTENSION = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d';

/** The OASIS TLP 2.0 marking-definition ids, by label. */
export const TLP2_MARKING_IDS: Readonly<Record<Tlp, string>> = {
  clear: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  'amber+strict': 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
  red: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
};

/** A STIX marking-definition object of TLP 2.0. */
export interface StixTlpMarking {
  type: 'marking-definition';
  spec_version: '2.1';
  id: string;
  created: string;
  name: string;
  extensions: Record<string, { extension_type: 'property-extension'; tlp_2_0: Tlp }>;
}

/** The marking-definition object of one TLP 2.0 label. */
export function tlpMarking(tlp: Tlp): StixTlpMarking {
  return {
    type: 'marking-definition',
    spec_version: '2.1',
    id: TLP2_MARKING_IDS[tlp],
    created: '2022-10-01T00:00:00.000Z',
    name: `TLP:${tlp.toUpperCase()}`,
    extensions: { [TLP2_EXTENSION]: { extension_type: 'property-extension', tlp_2_0: tlp } },
  };
}
