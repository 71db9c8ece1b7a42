"""The kernel tree: the git module (the only place git runs), choosing a
revision's base, applying it in isolation, importing a source tarball."""
