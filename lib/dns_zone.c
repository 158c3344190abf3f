/* dns_zone.c - placeholder until implemented */
#include "config.h"
