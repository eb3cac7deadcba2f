// Starts the portal. A separate file because the Content-Security-Policy forbids inline scripts.
import init from '/pkg/tessera_web.js';

init();
