//! Image references (`registry/repository:tag@digest`), parsed as the Docker
//! reference grammar does, with docker.io defaults.
