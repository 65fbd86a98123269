// Creates a container on an Azurite blob endpoint and prints an account SAS (read, write, create) for it, so the
// load generator can Put Blob and Get Blob with a fixed query string and no per-request signing. Run once per
// bench by bench/lib/emulators.ts (plain JavaScript: @azure/storage-blob lives in bench/emulators/node_modules,
// which only the bench installs).
//
//   node bench/emulators/azure-container.mjs <blob endpoint, e.g. http://127.0.0.1:10000/devstoreaccount1> <container>
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  BlobServiceClient,
  StorageSharedKeyCredential,
  generateAccountSASQueryParameters,
} from '@azure/storage-blob';

const [endpoint, container] = process.argv.slice(2);
if (!endpoint || !container) throw new Error('usage: node azure-container.mjs <blob endpoint> <container>');
// Azurite's well-known development account (documented by Azurite; it accepts no other key by default).
const credential = new StorageSharedKeyCredential(
  'devstoreaccount1',
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
);
await new BlobServiceClient(endpoint, credential).getContainerClient(container).create();
const sas = generateAccountSASQueryParameters(
  {
    expiresOn: new Date(Date.now() + 24 * 3600_000),
    permissions: AccountSASPermissions.parse('rwc'),
    resourceTypes: AccountSASResourceTypes.parse('o').toString(),
    services: AccountSASServices.parse('b').toString(),
  },
  credential,
).toString();
process.stdout.write(`${sas}\n`);
