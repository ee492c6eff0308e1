"""External systems regbot talks to: ports, HTTP adapters and simulators."""
