/* Starts the page once every view has registered. */
"use strict";
SX.start();
