/* dns_unbound.c - placeholder until implemented */
#include "config.h"
