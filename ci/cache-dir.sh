# Sourced: where heavy, reusable build products live (outside the tree).
# Override with UPCI_CACHE.
: "${UPCI_CACHE:=/var/cache/upci}"
export UPCI_CACHE
