"""Update rules, one module per family. The registry (engine.registry) lists them."""
