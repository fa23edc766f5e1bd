{{ true }} {{ false }} {{ True }} {{ False }}
