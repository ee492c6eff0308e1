"""Test-only PKI: the test CAs (`regbot pki test-ca`), the PKI server that serves their
certificates, CRLs and OCSP (`/sim/pki`), the mobile-signature simulator (`/sim/mssp`)
and the signer that plays a USB token's plugin (`regbot sign`). Never used in
production; imported only by the simulators, the demo and the tests."""
