// lecturelib-rise-widgets: a module-federation container with no plugins.
//
// jupyterlab-rise 0.43.1's slideshow page (/rise/...) is a separate JupyterLab
// app whose shared scope lacks @jupyterlab/console. The ipywidgets 8 manager
// (@jupyter-widgets/jupyterlab-manager, jupyterlab_widgets 3) imports that
// package for one optional token (IConsoleTracker), so its plugin fails to load
// there and the slides show widgets as text: jupyterlab-contrib/rise#119, #126.
// On init, when the page's shared scope has no @jupyterlab/console, this adds a
// stand-in module that exports only the token. No consoles exist on the slide
// page, so the optional token is never provided and the manager skips consoles.
// In JupyterLab itself the real package is already shared: nothing is added.
(function () {
  var NAME = 'lecturelib-rise-widgets';
  var CONSOLE = '@jupyterlab/console';
  function stub() {
    // the shape of a @lumino/coreutils Token; only its identity is used
    return {
      IConsoleTracker: {
        name: CONSOLE + ':IConsoleTracker',
        description: 'stand-in: no consoles on the RISE page',
        _tokenStructuralProperty: true
      }
    };
  }
  var root = (window._JUPYTERLAB = window._JUPYTERLAB || {});
  root[NAME] = {
    init: function (shareScope) {
      if (!shareScope || shareScope[CONSOLE]) {
        return Promise.resolve();
      }
      shareScope[CONSOLE] = {
        '4.0.0': {
          from: NAME,
          eager: false,
          loaded: 1,
          get: function () {
            return Promise.resolve(function () {
              return stub();
            });
          }
        }
      };
      return Promise.resolve();
    },
    get: function (module) {
      return Promise.reject(new Error(NAME + ' exposes no module ' + module));
    }
  };
})();
