/** Word lists the generator draws names and prose from. */

export const UNITS = [
  'payments',
  'logistics',
  'retail',
  'identity',
  'media',
  'analytics',
  'support',
  'marketplace',
] as const;

export const ENVIRONMENTS = ['development', 'staging', 'production'] as const;

export const DOMAINS = [
  'checkout',
  'ledger',
  'catalog',
  'booking',
  'billing',
  'inventory',
  'shipping',
  'search',
  'loyalty',
  'pricing',
  'invoices',
  'payouts',
  'returns',
  'reviews',
  'messaging',
  'profiles',
  'onboarding',
  'fulfilment',
  'quotes',
  'warehouse',
];

export const SUFFIXES = [
  'core',
  'sync',
  'portal',
  'hub',
  'gateway',
  'engine',
  'tracker',
  'studio',
  'desk',
  'feed',
  'vault',
  'planner',
];

export const API_SECRETS = [
  'payment-webhook-secret',
  'stripe-api-key',
  'oauth-client-secret',
  'maps-api-key',
  'jwt-signing-key',
];

export const WORKER_SECRETS = ['sendgrid-api-key', 'twilio-auth-token', 'slack-webhook-url'];

export const EVENTS = [
  'order-created',
  'booking-created',
  'invoice-issued',
  'payment-settled',
  'user-registered',
  'item-shipped',
  'refund-requested',
];

export const API_EGRESS = ['api.stripe.com', 'maps.googleapis.com', 'api.adyen.com'];

export const WORKER_EGRESS = ['api.sendgrid.com', 'api.twilio.com', 'hooks.slack.com'];

export const FIRST_NAMES = [
  'ashley',
  'priya',
  'jonas',
  'amara',
  'li',
  'mateo',
  'fatima',
  'noah',
  'ines',
  'kenji',
  'olga',
  'samuel',
  'leila',
  'tomas',
  'yara',
  'david',
  'mei',
  'arjun',
  'chloe',
  'kwame',
];

export const LAST_NAMES = [
  'manraj',
  'okafor',
  'lindqvist',
  'ramos',
  'chen',
  'haddad',
  'novak',
  'tanaka',
  'dubois',
  'mensah',
  'silva',
  'kowalski',
  'nair',
  'fischer',
  'moreau',
  'abebe',
  'ivanova',
  'garcia',
];

/** `booking-core` → `Booking Core`. */
export function title(name: string): string {
  return name
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
}
